"""Site tracking: the first-party snippet's events, visitors, stitching to leads, abandoned
carts."""
