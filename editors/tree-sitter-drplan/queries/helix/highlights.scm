; Highlights for Helix (its theme scopes); generated from ../highlights.scm by
; the sed command in ../../README.md. No two patterns capture the same node.

(comment) @comment

; Statement keywords
"plan" @keyword
"group" @keyword
"vm" @keyword
"needs" @keyword
(hooks when: _ @keyword)
(phase) @constant.builtin

; Hooks
(hook_kind) @function.builtin
(step_key) @variable.other.member

; Settings
(setting_name) @variable.other.member
(map_entry key: (identifier) @variable.other.member)

; Names that a statement declares
(plan name: (identifier) @type)
(group name: (identifier) @type)
(needs_clause (identifier) @type)
(needs (identifier) @variable)
(vm name: (identifier) @variable)
(hooks phase: (identifier) @variable)

; Values
(string) @string
(escape_sequence) @constant.character.escape
(duration) @constant.numeric
(integer) @constant.numeric
(boolean) @constant.builtin.boolean
(constant) @constant.builtin
(env_call "env" @function.builtin)
(arguments (identifier) @variable)
(list (identifier) @variable)

; Punctuation
["{" "}" "[" "]" "(" ")"] @punctuation.bracket
"," @punctuation.delimiter
"=" @operator
