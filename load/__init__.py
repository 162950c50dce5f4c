"""Load generation: virtual users over Streamlit's websocket protocol (``make load``)."""
