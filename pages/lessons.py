"""Lessons: one card per idea of the course, each opening the page that shows it in the state that shows it."""

import streamlit as st

from ui.lessons import LESSONS

st.title("Lessons")
st.caption(
    "One card per idea of the course texts. Each link opens a page set up to show it; what to look for is on "
    "the card. Add hide=lr,momentum to a link to hide those controls, hide=sidebar to hide the sidebar, and "
    "present=1 for the presentation mode (also the toggle in the sidebar)."
)

lessons = [lesson for lesson in LESSONS if lesson.available()]
columns = st.columns(2)
for i, lesson in enumerate(lessons):
    with columns[i % 2].container(border=True, key=f"lesson_{i}"):
        st.markdown(f"**{lesson.title}**")
        st.markdown(lesson.look_for)
        if lesson.source:
            st.caption(f"Course: {lesson.source}")
        st.page_link(lesson.page, label="Open", icon=":material/arrow_forward:", query_params=lesson.query)
