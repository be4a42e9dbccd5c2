"""The simulator of this platform: enforces its signing and errors over loopback."""
