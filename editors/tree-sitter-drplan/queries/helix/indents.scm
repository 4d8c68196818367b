; Helix indentation: one unit per open block or list.
[
  (block)
  (list)
] @indent

[
  "}"
  "]"
] @outdent
