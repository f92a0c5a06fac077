" Vim filetype plugin
" Language: regel

if exists("b:did_ftplugin")
  finish
endif
let b:did_ftplugin = 1

" The layout of `regel fmt`: four spaces a level.
setlocal expandtab shiftwidth=4 softtabstop=4
setlocal comments=:# commentstring=#\ %s
setlocal formatoptions-=t formatoptions+=croql
compiler regel

let b:undo_ftplugin = "setlocal et< sw< sts< com< cms< fo< makeprg< errorformat<"
