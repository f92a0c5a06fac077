" Vim indent file
" Language: regel
"
" One level (shiftwidth) inside each open bracket: a block `{` counts from
" the statement it belongs to (a decision's head may go on over lines), a
" `(` or `[` from its own line. A line that goes on with an operator (and,
" or, where, +, ...) or a rule's `else` is one level deeper than the line
" it continues; so is the line after one ending with `=` or `=>`.
" `regel fmt` (or the language server's formatting) gives the canonical
" layout of a whole file.

if exists("b:did_indent")
  finish
endif
let b:did_indent = 1

setlocal indentexpr=GetRegelIndent(v:lnum)
setlocal indentkeys=0{,0},0),0],!^F,o,O,=else,=and,=or,=where
setlocal autoindent nolisp nosmartindent

let b:undo_indent = "setlocal indentexpr< indentkeys< autoindent< lisp< smartindent<"

if exists("*GetRegelIndent")
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

" A line that goes on with the statement above: an operator first, a
" rule's else (not a table's `else =>`), or a part of a decision's head.
let s:continues = '^\s*\%(\%(and\|or\|where\|key\|by\|order\|capacity\)\>\|else\>\%(\s*=>\)\@!\|??\|==\|!=\|<=\|>=\|[-+*/%<>]\)'

function! s:InTextOrComment(lnum, col) abort
  return synIDattr(synID(a:lnum, a:col, 0), 'name') =~# 'regel\%(String\|Quote\|Escape\|Hole\|Comment\|Todo\)'
endfunction

" The indentation that the innermost bracket still open at the start of
" lnum gives its contents' level, or -1 when none is open.
function! s:BracketBase(lnum) abort
  call cursor(a:lnum, 1)
  let open = searchpair('[[({]', '', '[])}]', 'bW', 's:InTextOrComment(line("."), col("."))')
  if open <= 0
    return -1
  endif
  return getline('.')[col('.') - 1] ==# '{' ? indent(s:StatementStart(open)) : indent(open)
endfunction

" Line lnum without a comment at its end.
function! s:Code(lnum) abort
  let text = getline(a:lnum)
  let col = match(text, '#')
  while col >= 0 && s:InTextOrComment(a:lnum, col + 1) && synIDattr(synID(a:lnum, col + 1, 0), 'name') !~# 'Comment'
    let col = match(text, '#', col + 1)
  endwhile
  return col >= 0 ? strpart(text, 0, col) : text
endfunction

" The first line of the statement that line lnum is part of.
function! s:StatementStart(lnum) abort
  let lnum = a:lnum
  while lnum > 1 && getline(lnum) =~# s:continues
    let lnum = prevnonblank(lnum - 1)
  endwhile
  return lnum
endfunction

function! GetRegelIndent(lnum) abort
  let prev = prevnonblank(a:lnum - 1)
  if prev == 0
    return 0
  endif
  let line = getline(a:lnum)
  let sw = shiftwidth()
  if line =~# '^\s*[])}]'
    return max([s:BracketBase(a:lnum), 0])
  endif
  if s:Code(prev) =~# '\%([^=!<>]=\|=>\)\s*$'
    return indent(prev) + sw
  endif
  " A rule's else, not a table's `else =>`.
  if line =~# '^\s*else\>\%(\s*=>\)\@!'
    return indent(s:StatementStart(prev)) + sw
  endif
  " An operator line after another lines up with it; after a rule's else,
  " or the start of the statement, it goes one level deeper.
  if line =~# s:continues
    let p = getline(prev)
    return p =~# s:continues && p !~# '^\s*else\>' ? indent(prev) : indent(prev) + sw
  endif
  let base = s:BracketBase(a:lnum)
  return base >= 0 ? base + sw : 0
endfunction

let &cpo = s:cpo_save
unlet s:cpo_save
