"""The command line: one parser (main), the commands' bodies by subject."""
