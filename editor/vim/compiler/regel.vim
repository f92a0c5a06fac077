" Vim compiler file
" Compiler: regel check, for :make on a regel policy file
"
" regel check prints each problem as
"   path:line:col: error: message
"    18 |     the source line
"       |     ^^^^^^
"       = hint: did you mean 'listade'?
"   path:line:col: note: where a type comes from
" The quickfix list gets the error with its hint, and each note.

if exists("current_compiler")
  finish
endif
let current_compiler = "regel"

if exists(":CompilerSet") != 2
  command -nargs=* CompilerSet setlocal <args>
endif

let s:cpo_save = &cpo
set cpo&vim

CompilerSet makeprg=regel\ check\ %:S
CompilerSet errorformat=%E%f:%l:%c:\ error:\ %m,
      \%W%f:%l:%c:\ warning:\ %m,
      \%I%f:%l:%c:\ note:\ %m,
      \%C%\\s%#=\ %m,
      \%-C%\\s%#%\\d%#\ \|%.%#,
      \%-G%.%#

let &cpo = s:cpo_save
unlet s:cpo_save
