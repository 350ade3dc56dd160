"""Training, export and command-line reading for the digit models."""
