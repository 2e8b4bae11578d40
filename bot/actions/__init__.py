"""Custom actions of the 指尖政务 bot, one module per feature; all backend calls go through backend.py."""
