" Opens sample.drplan in Vim with editors/vim on the runtime path and checks
" the highlight group under chosen words. Run by ../test.sh; writes failures
" to the file named by $DRPLAN_VIM_RESULT and exits non-zero on any.

" [line, text on that line, expected syntax group ('' = none)]
let s:expect = [
      \ [1, '#', 'drplanComment'],
      \ [1, 'NOTE', 'drplanTodo'],
      \ [2, 'plan', 'drplanStructure'],
      \ [2, 'contoso-web', ''],
      \ [3, 'description', 'drplanSetting'],
      \ [3, '"Shop', 'drplanString'],
      \ [3, '\"', 'drplanEscape'],
      \ [3, '\\', 'drplanEscape'],
      \ [3, '\n', 'drplanEscape'],
      \ [3, '\u{1F600}', 'drplanEscape'],
      \ [3, '\q', 'drplanEscapeError'],
      \ [4, 'vault', 'drplanSetting'],
      \ [4, 'simulator', 'drplanConstant'],
      \ [4, 'state', 'drplanSetting'],
      \ [4, '"https:', 'drplanString'],
      \ [5, 'objectives', 'drplanSetting'],
      \ [5, '1h30m', 'drplanDuration'],
      \ [5, '15m', 'drplanDuration'],
      \ [6, 'timeout', 'drplanSetting'],
      \ [6, '2', 'drplanNumber'],
      \ [6, 'abort', 'drplanConstant'],
      \ [7, 'failover', 'drplanPhase'],
      \ [7, 'latest_processed', 'drplanConstant'],
      \ [7, 'false', 'drplanBoolean'],
      \ [9, 'before', 'drplanStructure'],
      \ [9, 'failover', 'drplanPhase'],
      \ [10, 'script', 'drplanHook'],
      \ [10, 'args', 'drplanSetting'],
      \ [10, 'TOKEN', 'drplanMapKey'],
      \ [10, 'env(', 'drplanEnv'],
      \ [11, 'webhook', 'drplanHook'],
      \ [11, 'POST', 'drplanConstant'],
      \ [11, '200', 'drplanNumber'],
      \ [12, 'wait', 'drplanHook'],
      \ [12, '250ms', 'drplanDuration'],
      \ [15, 'group', 'drplanStructure'],
      \ [15, 'web-test', ''],
      \ [16, 'needs', 'drplanStructure'],
      \ [17, 'vm', 'drplanStructure'],
      \ [5, 'drill', 'drplanSetting'],
      \ [18, 'target', 'drplanSetting'],
      \ [18, 'ip', 'drplanSetting'],
      \ [18, '"10.2.1.4"', 'drplanString'],
      \ [18, 'zone', 'drplanSetting'],
      \ [18, 'size', 'drplanSetting'],
      \ [20, 'coverage', 'drplanSetting'],
      \ [20, 'tag', 'drplanSetting'],
      \ ]

let s:failures = []
if &filetype !=# 'drplan'
  call add(s:failures, 'ftdetect: filetype is "' . &filetype . '", not drplan')
endif
if &shiftwidth != 2 || &commentstring !=# '# %s'
  call add(s:failures, 'ftplugin: shiftwidth ' . &shiftwidth . ', commentstring ' . &commentstring)
endif
for [s:lnum, s:text, s:group] in s:expect
  let s:col = stridx(getline(s:lnum), s:text) + 1
  if s:col == 0
    call add(s:failures, printf('line %d has no %s', s:lnum, s:text))
    continue
  endif
  let s:got = synIDattr(synID(s:lnum, s:col, 1), 'name')
  if s:got !=# s:group
    call add(s:failures, printf('line %d col %d %s: want %s, got %s',
          \ s:lnum, s:col, s:text, s:group ==# '' ? '(none)' : s:group,
          \ s:got ==# '' ? '(none)' : s:got))
  endif
endfor

call writefile(s:failures, $DRPLAN_VIM_RESULT)
execute empty(s:failures) ? 'qall!' : 'cquit!'
