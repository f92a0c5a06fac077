;;; regel-mode.el --- Major mode for regel policy files  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "27.1"))
;; Keywords: languages
;; URL: see README.md of the regel repository

;;; Commentary:

;; A major mode for the policy language of the regel rules engine
;; (grammar/README.md is the reference): highlighting, indentation,
;; comments, on-the-fly checking with Flymake through `regel check', and
;; the language server `regel lsp' registered with Eglot.
;;
;;   (add-to-list 'load-path "/path/to/regel/editor/emacs")
;;   (require 'regel-mode)
;;
;; Then M-x eglot in a .regel buffer starts the language server.

;;; Code:

(require 'flymake)
(require 'json)

(defgroup regel nil
  "The regel policy language."
  :group 'languages
  :prefix "regel-")

(defcustom regel-executable "regel"
  "The regel program, for Flymake (`regel check') and Eglot (`regel lsp')."
  :type 'string)

(defcustom regel-indent-offset 4
  "Columns a level indents, as `regel fmt' lays files out."
  :type 'integer
  :safe #'integerp)

;;;; Highlighting

(defconst regel--name "[[:alpha:]][[:alnum:]_]*"
  "A name: a letter, then letters, digits or underscores.")

(defconst regel--builtins
  '("count" "sum" "min" "max" "any" "all" "map" "sort_by" "first_where" "period" "overlaps"
    "contains" "days" "days_between" "months_between" "year" "month" "day" "weekday" "date"
    "length" "lower" "upper" "trim" "starts_with" "ends_with" "join" "text" "code_points"
    "round" "floor" "ceil" "abs" "set" "list" "distinct" "flatten" "first" "last" "sort"
    "reverse" "subset_of" "union" "intersection" "difference" "admitted_with")
  "The built-in functions.")

(defun regel--match-hole (limit)
  "Find the next {hole} of a text before LIMIT, for font-lock."
  (let (found)
    (while (and (not found) (re-search-forward "{[^{}\"\n]*}" limit t))
      (when (nth 3 (save-excursion (syntax-ppss (match-beginning 0))))
        (setq found t)))
    found))

(defconst regel-font-lock-keywords
  `((,(concat "\\_<\\(must\\|should\\|guard\\)\\_>[ \t]+\\(" regel--name "\\)")
     (1 font-lock-keyword-face) (2 font-lock-constant-face))
    (,(concat "\\_<\\(decision\\|queue\\|fn\\|table\\)\\_>[ \t]+\\(" regel--name "\\)")
     (1 font-lock-keyword-face) (2 font-lock-function-name-face))
    (,(concat "\\_<\\(record\\|enum\\)\\_>[ \t]+\\(" regel--name "\\)")
     (1 font-lock-keyword-face) (2 font-lock-type-face))
    (,(concat "\\_<\\(const\\|source\\|format\\|let\\)\\_>[ \t]+\\(" regel--name "\\)")
     (1 font-lock-keyword-face) (2 font-lock-variable-name-face))
    (,(regexp-opt '("import" "record" "enum" "format" "source" "const" "fn" "table" "decision"
                    "queue" "test" "let" "include" "field" "outcome" "return" "given" "expect"
                    "if" "then" "else" "from" "as" "key" "for" "by" "order" "capacity"
                    "and" "or" "not" "in" "where")
                  'symbols)
     . font-lock-keyword-face)
    (,(regexp-opt '("true" "false" "none") 'symbols) . font-lock-constant-face)
    (,(regexp-opt '("it" "today" "passed" "admitted" "position") 'symbols) . font-lock-builtin-face)
    (,(regexp-opt '("Bool" "Int" "Decimal" "Text" "Date" "Period" "Duration" "List" "Set") 'symbols)
     . font-lock-type-face)
    (,(concat "\\_<\\(" (regexp-opt regel--builtins) "\\)[ \t]*(") (1 font-lock-builtin-face))
    ("\\_<[[:upper:]][[:upper:][:digit:]_]+\\_>" . font-lock-constant-face)
    ("\\_<[[:upper:]][[:alnum:]_]*[[:lower:]][[:alnum:]_]*\\_>" . font-lock-type-face)
    ("\\_<[0-9]\\{4\\}-[0-9]\\{2\\}-[0-9]\\{2\\}\\_>" . font-lock-constant-face)
    (,(regexp-opt '("day" "days" "week" "weeks" "month" "months" "year" "years") 'symbols)
     . font-lock-type-face)
    (regel--match-hole (0 font-lock-variable-name-face prepend)))
  "Font-lock rules of `regel-mode'.")

(defvar regel-mode-syntax-table
  (let ((table (make-syntax-table)))
    (modify-syntax-entry ?# "<" table)
    (modify-syntax-entry ?\n ">" table)
    (modify-syntax-entry ?\" "\"" table)
    (modify-syntax-entry ?\\ "\\" table)
    (modify-syntax-entry ?_ "_" table)
    (dolist (c '(?+ ?- ?* ?/ ?% ?< ?> ?= ?! ?? ?| ?.))
      (modify-syntax-entry c "." table))
    table)
  "Syntax table of `regel-mode'.")

;;;; Indentation
;;
;; One level inside each open bracket: a block `{' counts from the
;; statement it belongs to (a decision's head may go on over lines), a `('
;; or `[' from its own line.  A line that goes on with an operator (and,
;; or, where, +, ...) or a rule's `else' is one level deeper than the line
;; it continues; so is the line after one ending with `=' or `=>'.  The
;; same rules as editor/vim/indent/regel.vim.  `regel fmt' gives the
;; canonical layout of a whole file.

(defconst regel--operator-first
  (concat "[ \t]*\\(?:\\_<\\(?:and\\|or\\|where\\|key\\|by\\|order\\|capacity\\)\\_>"
          "\\|\\?\\?\\|==\\|!=\\|<=\\|>=\\|[-+*/%<>]\\)")
  "A line that goes on with an operator, or a part of a decision's head.")

(defun regel--line-matches (regexp)
  "Whether the current line matches REGEXP from its start."
  (save-excursion (beginning-of-line) (looking-at-p regexp)))

(defun regel--rule-else-p ()
  "Whether the current line starts with a rule's `else' (not a table's `else =>')."
  (and (regel--line-matches "[ \t]*else\\_>")
       (not (regel--line-matches "[ \t]*else[ \t]*=>"))))

(defun regel--continues-p ()
  "Whether the current line goes on with the statement above it."
  (or (regel--line-matches regel--operator-first) (regel--rule-else-p)))

(defun regel--previous-code-line ()
  "Move to the previous line that is not blank; nil at the top."
  (let (found)
    (while (and (not found) (zerop (forward-line -1)))
      (unless (regel--line-matches "[ \t]*$")
        (setq found t)))
    found))

(defun regel--statement-start ()
  "Move to the first line of the statement the current line belongs to."
  (while (and (regel--continues-p) (regel--previous-code-line))))

(defun regel--ends-with-equals ()
  "Whether the current line's code ends with `=' or `=>'."
  (save-excursion
    (end-of-line)
    (let ((ppss (syntax-ppss)))
      (when (nth 4 ppss)
        (goto-char (nth 8 ppss))))
    (skip-chars-backward " \t")
    (looking-back "\\(?:[^=!<>]=\\|=>\\)" (line-beginning-position))))

(defun regel--bracket-base (pos)
  "The column that the contents of the bracket opened at POS count from."
  (save-excursion
    (goto-char pos)
    (if (eq (char-after) ?{)
        (progn (regel--statement-start) (current-indentation))
      (current-indentation))))

(defun regel-indent-column ()
  "The column the current line should be indented to."
  (save-excursion
    (beginning-of-line)
    (let* ((open (nth 1 (syntax-ppss)))
           (closer (looking-at-p "[ \t]*[])}]"))
           (else (regel--rule-else-p))
           (continues (regel--continues-p)))
      (cond
       (closer (if open (regel--bracket-base open) 0))
       ((not (regel--previous-code-line)) 0)
       ((regel--ends-with-equals) (+ (current-indentation) regel-indent-offset))
       (else (regel--statement-start) (+ (current-indentation) regel-indent-offset))
       (continues
        (if (and (regel--continues-p) (not (regel--rule-else-p)))
            (current-indentation)
          (+ (current-indentation) regel-indent-offset)))
       (open (+ (regel--bracket-base open) regel-indent-offset))
       (t 0)))))

(defun regel-indent-line ()
  "Indent the current line as regel code."
  (interactive)
  (let ((column (regel-indent-column)))
    (if (<= (current-column) (current-indentation))
        (indent-line-to column)
      (save-excursion (indent-line-to column)))))

;;;; Flymake

(defvar-local regel--flymake-process nil
  "The `regel check' run of this buffer's Flymake backend, if one runs.")

(defun regel--flymake-diagnostics (source output file)
  "Flymake diagnostics for SOURCE from OUTPUT, `regel check --format json' of FILE."
  (let (diagnostics)
    (dolist (line (split-string output "\n" t))
      (let* ((d (ignore-errors (json-read-from-string line)))
             (level (cdr (assq 'level d))))
        (when (and d (equal (cdr (assq 'file d)) file))
          (let* ((hint (cdr (assq 'hint d)))
                 (text (concat (cdr (assq 'message d)) (if hint (concat " (" hint ")") "")))
                 (beg (flymake-diag-region source (cdr (assq 'line d)) (cdr (assq 'column d))))
                 (end (with-current-buffer source
                        (save-excursion
                          (goto-char (point-min))
                          (forward-line (1- (cdr (assq 'end_line d))))
                          (move-to-column (1- (cdr (assq 'end_column d))))
                          (point)))))
            (push (flymake-make-diagnostic
                   source (car beg) (max end (1+ (car beg)))
                   (if (equal level "error") :error :warning)
                   text)
                  diagnostics)))))
    (nreverse diagnostics)))

(defun regel-flymake (report-fn &rest _args)
  "Flymake backend: `regel check' on the buffer's text, told to REPORT-FN.
The text is written to a file beside the buffer's, so that its imports
are found as they are for the file itself."
  (when (process-live-p regel--flymake-process)
    (kill-process regel--flymake-process))
  (let* ((source (current-buffer))
         (dir (if buffer-file-name (file-name-directory buffer-file-name) default-directory))
         (file (make-temp-file (expand-file-name ".flymake-regel-" dir) nil ".regel")))
    (save-restriction
      (widen)
      (write-region (point-min) (point-max) file nil 'silent))
    (setq regel--flymake-process
          (make-process
           :name "regel-flymake" :noquery t :connection-type 'pipe
           :buffer (generate-new-buffer " *regel-flymake*")
           :command (list regel-executable "check" "--format" "json" file)
           :sentinel
           (lambda (proc _event)
             (when (memq (process-status proc) '(exit signal))
               (unwind-protect
                   (when (with-current-buffer source (eq proc regel--flymake-process))
                     (funcall report-fn
                              (regel--flymake-diagnostics
                               source (with-current-buffer (process-buffer proc) (buffer-string)) file)))
                 (delete-file file)
                 (kill-buffer (process-buffer proc)))))))))

;;;; The mode

(defvar eglot-server-programs)

;;;###autoload
(define-derived-mode regel-mode prog-mode "regel"
  "Major mode for regel policy files."
  :syntax-table regel-mode-syntax-table
  (setq-local comment-start "# ")
  (setq-local comment-end "")
  (setq-local comment-start-skip "#+[ \t]*")
  (setq-local font-lock-defaults '(regel-font-lock-keywords))
  (setq-local indent-line-function #'regel-indent-line)
  (setq-local indent-tabs-mode nil)
  (setq-local tab-width regel-indent-offset)
  (setq-local electric-indent-chars (append '(?\} ?\) ?\]) electric-indent-chars))
  (add-hook 'flymake-diagnostic-functions #'regel-flymake nil t))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.regel\\'" . regel-mode))

(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs `(regel-mode . (,regel-executable "lsp"))))

(provide 'regel-mode)

;;; regel-mode.el ends here
