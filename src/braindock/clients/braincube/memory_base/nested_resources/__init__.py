"""Entities that live inside a memory base: variables, data groups, events, jobs and rules."""
