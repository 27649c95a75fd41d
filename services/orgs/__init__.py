"""orgs: the org tree, memberships along the development pipeline, roles, dues — the social graph's spine."""
