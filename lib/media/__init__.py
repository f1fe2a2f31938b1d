"""Images, videos and uploads: what the media pages check, send and keep. Streamlit-free."""
