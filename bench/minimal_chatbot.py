"""The simplest Streamlit chat app: the reference bench/concurrent_sessions.py (`--reference`)
measures the Chat page against, the floor Streamlit itself sets (issue 30).

Streamlit's own chatbot tutorial: st.chat_input, st.chat_message, st.write_stream over the
official openai SDK, the history in st.session_state. Its one departure: the client is built
once per process (st.cache_resource), not on every run, so the reference is not slowed by what
the app was already made to share. The benchmark runs it as `streamlit run` from the repo
root, so with this project's .streamlit/config.toml, and with the app's secrets file (the
sandbox's [sandbox] root_url and api_key).

`?history=N`: the conversation starts with N messages (a long conversation's next message).
"""

import streamlit as st
from openai import OpenAI

MODEL = "gpt-4o-mini"


@st.cache_resource
def client() -> OpenAI:
    sandbox = st.secrets["sandbox"]
    return OpenAI(base_url=sandbox["root_url"] + "/api/v1", api_key=sandbox["api_key"])


def earlier_messages(count: int) -> list[dict]:
    """`count` messages alternating question and answer, as long as the sandbox's replies."""
    return [
        {"role": "user", "content": f"Earlier question {n}: what happened next?"}
        if n % 2 == 0
        else {
            "role": "assistant",
            "content": f"Earlier answer {n}: the keeper rowed out at dawn, and the "
            "fog lifted over a sea as calm as a silver mirror.",
        }
        for n in range(count)
    ]


if "messages" not in st.session_state:
    st.session_state.messages = earlier_messages(int(st.query_params.get("history", 0)))

for message in st.session_state.messages:
    with st.chat_message(message["role"]):
        st.markdown(message["content"])

if prompt := st.chat_input("Ask anything"):
    st.session_state.messages.append({"role": "user", "content": prompt})
    with st.chat_message("user"):
        st.markdown(prompt)
    with st.chat_message("assistant"):
        stream = client().chat.completions.create(model=MODEL, messages=st.session_state.messages, stream=True)
        st.session_state.messages.append({"role": "assistant", "content": st.write_stream(stream)})
