"""What a return is: its fields (form.toml, read by schema.py), its periods, the USCC and how labels are matched."""
