"""Budget and tag policies: the policy file, waivers, and the verdict."""
