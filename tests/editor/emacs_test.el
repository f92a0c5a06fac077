;;; emacs_test.el --- The Emacs support in editor/emacs, in batch mode  -*- lexical-binding: t; -*-

;; REGEL=build/regel emacs -Q --batch -l tests/editor/emacs_test.el
;; (run by tests/editor/run).  Prints one line per check and ends with
;; `N passed, M failed'; exits 1 when a check failed.

;;; Code:

(require 'bytecomp)

(defvar regel-test-root (expand-file-name "../../" (file-name-directory load-file-name))
  "The repository's folder.")

(defvar regel-test-passed 0)
(defvar regel-test-failed 0)

(defun regel-test-check (ok what)
  "Count OK and print WHAT."
  (if ok (setq regel-test-passed (1+ regel-test-passed)) (setq regel-test-failed (1+ regel-test-failed)))
  (princ (format "  %s  %s\n" (if ok "ok  " "FAIL") what)))

;; Byte-compiled without a warning, into a folder of its own.
(let* ((source (expand-file-name "editor/emacs/regel-mode.el" regel-test-root))
       (out (make-temp-file "regel-elc" t))
       (byte-compile-dest-file-function (lambda (_) (expand-file-name "regel-mode.elc" out)))
       (byte-compile-error-on-warn t)
       (log (get-buffer-create "*Compile-Log*")))
  (with-current-buffer log (let ((inhibit-read-only t)) (erase-buffer)))
  (let ((ok (byte-compile-file source)))
    (regel-test-check (and ok (with-current-buffer log (not (string-match-p "Warning" (buffer-string)))))
                      (format "byte-compile: no warnings%s"
                              (if ok "" (with-current-buffer log (concat "\n" (buffer-string))))))
    (load (if ok (expand-file-name "regel-mode.elc" out) source) nil t))
  (delete-directory out t))

(setq regel-executable (or (getenv "REGEL") "regel"))

(defun regel-test-face-at (needle nth)
  "The face at the start of the NTH match of NEEDLE."
  (goto-char (point-min))
  (if (not (search-forward needle nil t (1+ nth)))
      '(not-found)
    (let ((face (get-text-property (match-beginning 0) 'face)))
      (if (consp face) face (list face)))))

(with-temp-buffer
  (insert-file-contents (expand-file-name "tests/editor/sample.regel" regel-test-root))
  (setq buffer-file-name (expand-file-name "tests/editor/sample.regel" regel-test-root))
  (set-auto-mode)
  (setq buffer-file-name nil)
  (regel-test-check (eq major-mode 'regel-mode) "auto-mode-alist: .regel files open in regel-mode")
  (regel-test-check (equal comment-start "# ") "comments start with #")
  (font-lock-ensure)
  (dolist (want '(("import" 0 font-lock-keyword-face)
                  ("Vardcentral {" 0 font-lock-type-face)
                  ("Text" 0 font-lock-type-face)
                  ("\"HSA-id\"" 0 font-lock-string-face)
                  ("LISTADE_PER_ST_LAKARE =" 0 font-lock-variable-name-face)
                  ("LISTADE_PER_ST_LAKARE *" 0 font-lock-constant-face)
                  ("specialister(vc:" 0 font-lock-function-name-face)
                  ("where" 0 font-lock-keyword-face)
                  ("ytterligare_st for" 0 font-lock-function-name-face)
                  ("# B1" 0 font-lock-comment-delimiter-face)
                  ("must B1" 0 font-lock-keyword-face)
                  ("B1 vc" 0 font-lock-constant-face)
                  ("B3" 0 font-lock-constant-face)
                  ("{vc.listade}" 0 font-lock-variable-name-face)
                  ("{vc.listade}" 0 font-lock-string-face)
                  ("count(s)" 0 font-lock-builtin-face)
                  ("today >=" 0 font-lock-builtin-face)
                  ("2026-01-01" 0 font-lock-constant-face)
                  ("months" 0 font-lock-type-face)
                  ("none" 0 font-lock-constant-face)
                  ("given" 1 font-lock-keyword-face)))
    (let ((faces (regel-test-face-at (nth 0 want) (nth 1 want))))
      (regel-test-check (memq (nth 2 want) faces)
                        (format "font-lock: %S is %s%s" (nth 0 want) (nth 2 want)
                                (if (memq (nth 2 want) faces) "" (format " (got %S)" faces))))))
  ;; Indentation: the sample, its indentation taken away, indented again.
  (let ((want (buffer-string)))
    (goto-char (point-min))
    (while (re-search-forward "^[ \t]+" nil t) (replace-match ""))
    (indent-region (point-min) (point-max))
    (let* ((got (buffer-string))
           (wl (split-string want "\n")) (gl (split-string got "\n"))
           (line 1))
      (while (and wl (equal (car wl) (car gl))) (setq wl (cdr wl) gl (cdr gl) line (1+ line)))
      (regel-test-check (equal got want)
                        (format "indent-region gives the sample back%s"
                                (if wl (format " (first difference at line %d: %S)" line (car gl)) ""))))))

;; Flymake runs regel check on the buffer's text, imports found beside it.
(let* ((dir (make-temp-file "regel-flymake" t))
       (file (expand-file-name "policy.regel" dir))
       (reported nil))
  (with-temp-file (expand-file-name "typer.regel" dir)
    (insert "record R {\n    listade: Int\n}\n"))
  (with-temp-file file (insert "import typer\n"))
  (with-current-buffer (find-file-noselect file)
    (goto-char (point-max))
    (insert "\nfn f(r: R) -> Int = r.listad + 1\n")
    (regel-flymake (lambda (diags &rest _) (setq reported (or diags 'none))))
    (let ((deadline (+ (float-time) 20)))
      (while (and (not reported) (< (float-time) deadline))
        (accept-process-output nil 0.05)))
    (let ((d (and (consp reported) (car reported))))
      (regel-test-check (and (consp reported) (= (length reported) 1)) "flymake: one diagnostic")
      (when d
        (regel-test-check (and (eq (flymake-diagnostic-type d) :error)
                               (string-match-p (regexp-quote "R has no field 'listad' (did you mean 'listade'?)")
                                               (flymake-diagnostic-text d)))
                          (format "flymake: the error and its hint (%s)" (flymake-diagnostic-text d)))
        (regel-test-check (equal (save-excursion (goto-char (flymake-diagnostic-beg d))
                                                 (list (line-number-at-pos) (current-column)
                                                       (buffer-substring (point) (flymake-diagnostic-end d))))
                                 '(3 22 "listad"))
                          "flymake: at the misspelt field")))
    (set-buffer-modified-p nil)
    (kill-buffer))
  (regel-test-check (equal (directory-files dir nil "^[^.]") '("policy.regel" "typer.regel"))
                    "flymake: its temporary file is gone")
  (delete-directory dir t))

;; Eglot learns to start `regel lsp' for regel-mode.  (Emacs 28 has no
;; Eglot of its own: a stand-in is loaded from a file, as Eglot would be.)
(defvar eglot-server-programs)
(unless (require 'eglot nil t)
  (let ((fake (make-temp-file "eglot" t)))
    (with-temp-file (expand-file-name "eglot.el" fake)
      (insert "(defvar eglot-server-programs nil)\n(provide 'eglot)\n"))
    (load (expand-file-name "eglot.el" fake) nil t)
    (delete-directory fake t)))
(regel-test-check (equal (cdr (assq 'regel-mode eglot-server-programs)) (list regel-executable "lsp"))
                  "eglot: regel-mode starts `regel lsp'")

(princ (format "%d passed, %d failed\n" regel-test-passed regel-test-failed))
(kill-emacs (if (zerop regel-test-failed) 0 1))

;;; emacs_test.el ends here
