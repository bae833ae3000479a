"""Identity shared by every protocol: accounts, personal access tokens, sessions and scopes."""
