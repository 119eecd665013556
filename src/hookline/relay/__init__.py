"""`hookline listen`'s client side: the loop that holds the WebSocket to a Hookline server and
forwards each delivery to a local URL. (The server's side is api/routes/relay.py with
delivery/relay_sender.py; the frames both speak are relay_frames.py.)"""
