" Vim syntax file
" Language: regel, the policy language of the regel rules engine
" The language reference is grammar/README.md; the scanner grammar/regel.l.

if exists("b:current_syntax")
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syntax case match
" Names may hold any letter (listade_invånare).
syntax iskeyword @,48-57,_,192-255

syntax keyword regelDeclaration import record enum format source const fn table decision queue test
syntax keyword regelStatement   let include field outcome return given expect
syntax keyword regelConditional if then else
syntax keyword regelKeyword     from as key for by order capacity
syntax keyword regelOperatorWord and or not in where
syntax keyword regelBoolean     true false
syntax keyword regelNone        none
syntax keyword regelLanguageName it today passed admitted position
syntax keyword regelUnit        day days week weeks month months year years
syntax keyword regelType        Bool Int Decimal Text Date Period Duration List Set
" Built-in functions, where they are called (`.text` is a field).
syntax match regelBuiltin "\<\%(count\|sum\|min\|max\|any\|all\|map\|sort_by\|first_where\|period\|overlaps\|contains\|days\)\ze\s*("
syntax match regelBuiltin "\<\%(days_between\|months_between\|year\|month\|day\|weekday\|date\|length\|lower\|upper\)\ze\s*("
syntax match regelBuiltin "\<\%(trim\|starts_with\|ends_with\|join\|text\|code_points\|round\|floor\|ceil\|abs\|set\)\ze\s*("
syntax match regelBuiltin "\<\%(list\|distinct\|flatten\|first\|last\|sort\|reverse\|subset_of\|union\)\ze\s*("
syntax match regelBuiltin "\<\%(intersection\|difference\|admitted_with\)\ze\s*("

" must B1 ...: the severity and the rule's reference in the regulation.
syntax match regelRule "\<\%(must\|should\|guard\)\>" nextgroup=regelRef skipwhite
syntax match regelRef "\k\+" contained

" The name a declaration gives.
syntax match regelDeclName "\%(\<\%(decision\|queue\|fn\|table\)\s\+\)\@<=\k\+"
syntax match regelTypeName "\%(\<\%(record\|enum\)\s\+\)\@<=\k\+"
syntax match regelTypeName "\<\u\k*\l\k*\>"
syntax match regelConstant "\<\u[A-Z0-9_]\+\>"

syntax match regelNumber "\<\d[0-9_]*\%(\.\d\+\)\=\>"
syntax match regelDate   "\<\d\{4}-\d\d-\d\d\>"
syntax match regelOperator "==\|!=\|<=\|>=\|=>\|->\|?\.\|??\|[-+*/%<>=!|]"

" A text ends on its line; {holes} hold expressions.
syntax region regelString matchgroup=regelQuote start=+"+ skip=+\\[\\"{}]+ end=+"\|$+ contains=regelEscape,regelHole,@Spell
syntax match regelEscape "\\[nt\"\\{}]" contained
syntax region regelHole matchgroup=regelHoleBrace start="{" end="}" contained contains=TOP,regelDeclName

syntax keyword regelTodo TODO FIXME XXX contained
syntax match regelComment "#.*$" contains=regelTodo,@Spell

highlight default link regelDeclaration  Structure
highlight default link regelStatement    Statement
highlight default link regelConditional  Conditional
highlight default link regelKeyword      Keyword
highlight default link regelRule         Statement
highlight default link regelRef          Label
highlight default link regelOperatorWord Operator
highlight default link regelOperator     Operator
highlight default link regelBoolean      Boolean
highlight default link regelNone         Constant
highlight default link regelLanguageName Special
highlight default link regelUnit         Type
highlight default link regelType         Type
highlight default link regelTypeName     Type
highlight default link regelBuiltin      Function
highlight default link regelDeclName     Function
highlight default link regelConstant     Constant
highlight default link regelDate         Number
highlight default link regelNumber       Number
highlight default link regelString       String
highlight default link regelQuote        String
highlight default link regelEscape       SpecialChar
highlight default link regelHoleBrace    Delimiter
highlight default link regelComment      Comment
highlight default link regelTodo         Todo

let b:current_syntax = "regel"

let &cpo = s:cpo_save
unlet s:cpo_save
