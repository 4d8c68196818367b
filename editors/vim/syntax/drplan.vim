" Vim syntax file
" Language:    drplan (disaster-recovery plans, *.drplan)
" Maintainer:  the drplan project
"
" The keyword lists below are checked against src/check/schema.rs by
" tests/editors_ts.rs: every keyword of the language must appear in a
" `syntax keyword` line here.

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

" Identifiers are [A-Za-z_][A-Za-z0-9_.-]*: `web-test` is one word, so the
" `test` in it is not highlighted as a keyword.
syntax iskeyword @,48-57,_,-,.

syntax case match

" Statement keywords (schema::STRUCTURE_KEYWORDS and the statement settings).
syntax keyword drplanStructure plan group needs vm before after

" Phases of before/after (schema::PHASES).
syntax keyword drplanPhase failover failback test commit reprotect test_cleanup

" Hook kinds (schema::HOOK_KINDS).
syntax keyword drplanHook script runbook webhook probe manual wait

" Step settings (schema::STEP_SETTINGS).
syntax keyword drplanSetting timeout retries on_error estimate

" Settings of the plan and its blocks.
syntax keyword drplanSetting description vault primary recovery state objectives defaults failback
syntax keyword drplanSetting rto rpo parallelism recovery_point shutdown_source network order
syntax keyword drplanSetting item args account params method headers body expect every within
syntax keyword drplanSetting drill coverage tag resource_group target vm_name size subnet ip
syntax keyword drplanSetting test_subnet test_ip public_ip load_balancer_pools nsg zone
syntax keyword drplanSetting availability_set proximity_group capacity_reservation
syntax keyword drplanSetting on_failure notify format events

" Enum values (schema::ON_ERROR, schema::RECOVERY_POINTS, schema::METHODS) and `simulator`.
syntax keyword drplanConstant abort continue latest latest_processed latest_app_consistent reversed shutdown_reversed
syntax keyword drplanConstant GET POST PUT PATCH DELETE simulator
" Notify targets (schema::NOTIFY_FORMATS, schema::NOTIFY_EVENTS).
syntax keyword drplanConstant teams slack json
syntax keyword drplanConstant run_started step_failed approval_waiting rto_exceeded run_finished

" Booleans.
syntax keyword drplanBoolean true false

" `env { … }` sets a script's environment; `env("NAME")` reads a secret at
" run time. One word for both (a Vim keyword outranks any match).
syntax keyword drplanEnv env

" Durations (1h30m, 250ms) and integers.
syntax match drplanDuration /\<\%(\d\+\%(ms\|[dhms]\)\)\+\>/
syntax match drplanNumber /\<\d\+\>/

" Strings: one line, escapes \" \\ \n \t \u{1F600}; any other escape is an error.
syntax match drplanEscapeError /\\./ contained
syntax match drplanEscape /\\["\\nt]/ contained
syntax match drplanEscape /\\u{\x\{1,6}}/ contained
syntax region drplanString start=/"/ skip=/\\\\\|\\"/ end=/"/ end=/$/ oneline contains=drplanEscapeError,drplanEscape

" Map entries: KEY = value.
syntax match drplanMapKey /\<[A-Za-z_][A-Za-z0-9_.-]*\ze\s*=/

syntax match drplanComment /#.*$/ contains=drplanTodo,@Spell
" The usual comment markers, as a pattern so that this file itself carries none.
syntax match drplanTodo /\v<(TO[D]O|FIX[M]E|X{3}|NOTE)>/ contained

syntax match drplanBraces /[{}\[\]]/

highlight default link drplanStructure Keyword
highlight default link drplanPhase Constant
highlight default link drplanHook Function
highlight default link drplanSetting Identifier
highlight default link drplanConstant Constant
highlight default link drplanBoolean Boolean
highlight default link drplanEnv Special
highlight default link drplanDuration Number
highlight default link drplanNumber Number
highlight default link drplanString String
highlight default link drplanEscape SpecialChar
highlight default link drplanEscapeError Error
highlight default link drplanMapKey Identifier
highlight default link drplanComment Comment
highlight default link drplanTodo Todo
highlight default link drplanBraces Delimiter

let b:current_syntax = 'drplan'

let &cpo = s:cpo_save
unlet s:cpo_save
