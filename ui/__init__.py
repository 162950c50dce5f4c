"""Streamlit building blocks shared by the pages: controls generated from the declarations,
URL validation, course presets and cached calls into the core. Pages stay short scripts."""
