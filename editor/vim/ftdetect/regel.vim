" regel policy files
autocmd BufRead,BufNewFile *.regel setfiletype regel
