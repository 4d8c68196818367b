; Groups and VMs are defined once and referenced by `needs`.
(source_file) @local.scope
(group name: (_) @local.definition.type)
(vm name: (_) @local.definition.var)
(needs_clause (identifier) @local.reference)
(needs (identifier) @local.reference)
