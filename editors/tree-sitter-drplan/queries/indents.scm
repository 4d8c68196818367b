; Indentation for nvim-treesitter: two spaces per open block (drplan fmt's
; canonical layout).
[
  (block)
  (list)
] @indent.begin

[
  "}"
  "]"
] @indent.branch @indent.end

(comment) @indent.auto
