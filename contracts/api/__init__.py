"""The catalogue side of the v1 API: offerings, customers, assets, entitlements, contracts."""
