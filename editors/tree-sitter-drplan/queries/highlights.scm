; Highlights for drplan. Capture names follow nvim-treesitter (also understood
; by Zed); Helix users: see ../README.md. No two patterns capture the same
; node, so the result does not depend on whether the editor lets the first or
; the last matching pattern win.

(comment) @comment @spell

; Statement keywords
"plan" @keyword
"group" @keyword
"vm" @keyword
"needs" @keyword
(hooks when: _ @keyword)
(phase) @constant.builtin

; Hooks
(hook_kind) @function.builtin
(step_key) @property

; Settings
(setting_name) @property
(map_entry key: (identifier) @variable.member)

; Names that a statement declares
(plan name: (identifier) @type)
(group name: (identifier) @type)
(needs_clause (identifier) @type)
(needs (identifier) @variable)
(vm name: (identifier) @variable)
(hooks phase: (identifier) @variable)

; Values
(string) @string
(escape_sequence) @string.escape
(duration) @number
(integer) @number
(boolean) @boolean
(constant) @constant.builtin
(env_call "env" @function.builtin)
(arguments (identifier) @variable)
(list (identifier) @variable)

; Punctuation
["{" "}" "[" "]" "(" ")"] @punctuation.bracket
"," @punctuation.delimiter
"=" @operator
