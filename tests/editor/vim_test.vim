" The Vim support in editor/vim, in a headless Vim:
"   vim -Nu NONE -i NONE -es -S tests/editor/vim_test.vim -- REGEL
" (run by tests/editor/run). Prints one line per check and ends with
" `N passed, M failed`; the exit status is 1 when a check failed.

let s:root = fnamemodify(expand('<sfile>:p'), ':h:h:h')
let s:regel = get(g:, 'regel', 'regel')
let &runtimepath = s:root . '/editor/vim,' . &runtimepath
filetype plugin indent on
syntax on

let s:passed = 0
let s:failed = 0
let s:out = []

function! s:Check(ok, what) abort
  if a:ok
    let s:passed += 1
    call add(s:out, '  ok    ' . a:what)
  else
    let s:failed += 1
    call add(s:out, '  FAIL  ' . a:what)
  endif
endfunction

" The highlight group at the start of the nth match of pattern.
function! s:GroupAt(pattern, nth) abort
  call cursor(1, 1)
  let flags = 'cW'
  for i in range(a:nth + 1)
    if search(a:pattern, flags) == 0
      return '(not found)'
    endif
    let flags = 'W'
  endfor
  return synIDattr(synID(line('.'), col('.'), 1), 'name')
endfunction

execute 'edit ' . fnameescape(s:root . '/tests/editor/sample.regel')
call s:Check(&filetype ==# 'regel', 'ftdetect: *.regel is filetype regel (got "' . &filetype . '")')
call s:Check(&commentstring ==# '# %s' && &shiftwidth == 4 && &expandtab, 'ftplugin: comments and indentation settings')

for [s:pattern, s:nth, s:group] in [
      \ ['^import', 0, 'regelDeclaration'],
      \ ['^record', 0, 'regelDeclaration'],
      \ ['Vardcentral {', 0, 'regelTypeName'],
      \ ['\<Text\>', 0, 'regelType'],
      \ ['\<from\>', 0, 'regelKeyword'],
      \ ['"HSA-id"', 0, 'regelQuote'],
      \ ['HSA-id', 0, 'regelString'],
      \ ['LISTADE_PER_ST_LAKARE =', 0, 'regelConstant'],
      \ ['1_500', 0, 'regelNumber'],
      \ ['0\.10', 0, 'regelNumber'],
      \ ['specialister(vc:', 0, 'regelDeclName'],
      \ ['\<where\>', 0, 'regelOperatorWord'],
      \ ['==', 0, 'regelOperator'],
      \ ['^decision', 0, 'regelDeclaration'],
      \ ['ytterligare_st for', 0, 'regelDeclName'],
      \ ['outcome ja', 0, 'regelStatement'],
      \ ['# B1', 0, 'regelComment'],
      \ ['must B1', 0, 'regelRule'],
      \ ['B1 vc', 0, 'regelRef'],
      \ ['\<should\>', 0, 'regelRule'],
      \ ['B3', 0, 'regelRef'],
      \ ['{vc\.listade}', 0, 'regelHoleBrace'],
      \ ['vc\.listade} listade', 0, 'regelHole'],
      \ ['listade räcker', 0, 'regelString'],
      \ ['count(s)', 0, 'regelBuiltin'],
      \ ['\<today\>', 1, 'regelLanguageName'],
      \ ['2026-01-01', 0, 'regelDate'],
      \ ['\<months\>', 0, 'regelUnit'],
      \ ['else "inte', 0, 'regelConditional'],
      \ ['# after code', 0, 'regelComment'],
      \ ['\<passed\>', 0, 'regelLanguageName'],
      \ ['\<none\>', 0, 'regelNone'],
      \ ['^test', 0, 'regelDeclaration'],
      \ ['given today', 0, 'regelStatement'],
      \ ['\<expect\>', 0, 'regelStatement'],
      \ ]
  let s:got = s:GroupAt(s:pattern, s:nth)
  call s:Check(s:got ==# s:group, 'syntax: /' . s:pattern . '/ is ' . s:group . (s:got ==# s:group ? '' : ' (got ' . s:got . ')'))
endfor

" Indentation: the sample, its indentation taken away, indented again.
let s:want = getline(1, '$')
silent %s/^\s\+//e
silent normal! gg=G
let s:got = getline(1, '$')
let s:bad = filter(range(len(s:want)), 's:want[v:val] !=# s:got[v:val]')
call s:Check(empty(s:bad), 'indent: gg=G gives the sample back'
      \ . (empty(s:bad) ? '' : ' (first difference at line ' . (s:bad[0] + 1) . ': "' . s:got[s:bad[0]] . '")'))
silent %d
call setline(1, s:want)
set nomodified

" :make runs regel check, and the quickfix list gets each problem.
let s:dir = tempname()
call mkdir(s:dir)
let s:file = s:dir . '/policy.regel'
call writefile(['record R {', '    listade: Int', '}', '', 'fn f(r: R) -> Int = r.listad + 1'], s:file)
execute 'edit ' . fnameescape(s:file)
let &l:makeprg = fnameescape(s:regel) . ' check %:S'
let &shellpipe = '>%s 2>&1'
silent make!
let s:qf = filter(getqflist(), 'v:val.valid')
call s:Check(len(s:qf) == 1, ':make: one entry in the quickfix list (got ' . len(s:qf) . ')')
if len(s:qf) == 1
  let s:e = s:qf[0]
  call s:Check(bufname(s:e.bufnr) =~# 'policy\.regel$' && s:e.lnum == 5 && s:e.col == 23 && s:e.type ==# 'E',
        \ ':make: the entry is at policy.regel:5:23, an error')
  call s:Check(s:e.text =~# "R has no field 'listad'" && s:e.text =~# "did you mean 'listade'?",
        \ ':make: the text has the message and the hint (' . substitute(s:e.text, '\n', '|', 'g') . ')')
endif
call delete(s:dir, 'rf')

call add(s:out, printf('%d passed, %d failed', s:passed, s:failed))
call writefile(s:out, '/dev/stdout')
execute (s:failed ? 'cquit' : 'qall!')
