"""The register of suspensions and restricted duties, with the reviews each one is due."""
