"""Policy families, one module each (schema, runtime, what it writes); see ``registry``.

Every module here must define ``FAMILY``; ``flowsim.policies.registry`` collects them all
by listing this package, so a family cannot be forgotten.
"""
