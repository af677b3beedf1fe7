"""Command-line interface: ``flowsim <command>``; one module per command."""
