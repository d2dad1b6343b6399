"""Quality flags of a lead: role and disposable addresses, line types, seniority and function."""
