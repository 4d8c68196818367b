; Fold every { … } block and multi-line bracketed list.
[
  (block)
  (list)
] @fold
