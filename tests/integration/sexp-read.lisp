;;;; sexp-read.lisp - reads sexp-encode's cases with SBCL's own reader and
;;;; checks that no input can steer it (t-lisplets-sexp.sh).
;;;; fcgi-lisp, MIT licence.
;;;;
;;;; Input, standard input in UTF-8, case after case (values may hold
;;;; newlines):
;;;;   (:NAME "VALUE") #(name octets) #(value octets) :plain|:quoted
;;;; With *read-eval* nil and the standard readtable, each element must read
;;;; as a list of exactly a keyword and a string (no #. evaluated, no extra
;;;; element: the case's four objects stay in step); when the octets are valid
;;;; UTF-8, the keyword's name is the name (upcased when :plain) and the
;;;; string is the value. Prints "ok N" or "FAIL N why" per case; exits 1 if
;;;; any failed.

(defvar *failures* 0)
(defvar *evaluated* nil "Set by #.(setf *evaluated* t) if the reader ever evaluates.")

(defun octets-text (octets)
  "The UTF-8 text of OCTETS, or NIL when they are not UTF-8."
  (handler-case
      (sb-ext:octets-to-string (coerce octets '(vector (unsigned-byte 8)))
                               :external-format :utf-8)
    (error () nil)))

(defun fail (n fmt &rest args)
  (incf *failures*)
  (format t "FAIL ~D ~?~%" n fmt args))

(defun check (n form name-octets value-octets kind)
  (let ((name (octets-text name-octets))
        (value (octets-text value-octets)))
    (cond ((not (and (consp form) (= (length form) 2)))
           (fail n "not a list of two elements: ~S" form))
          ((not (keywordp (first form)))
           (fail n "the name did not read as a keyword: ~S" (first form)))
          ((not (stringp (second form)))
           (fail n "the value did not read as a string: ~S" (second form)))
          ((and name (string/= (symbol-name (first form))
                               (if (eq kind :plain) (string-upcase name) name)))
           (fail n "name ~S read as ~S" name (symbol-name (first form))))
          ((and value (string/= (second form) value))
           (fail n "value ~S read as ~S" value (second form)))
          (t (format t "ok ~D~%" n)))))

(let ((*read-eval* nil)
      (*package* (make-package "FCGI-LISP-SEXP-TEST" :use nil))
      (in (sb-sys:make-fd-stream 0 :input t :external-format :utf-8 :buffering :full)))
  ;; Case after case, four objects each: an injected element shifts them,
  ;; and the vectors and the kind no longer are where they must be.
  (handler-case
      (loop for n from 1
            for form = (read in nil :end)
            until (eq form :end)
            do (let ((name (read in))
                     (value (read in))
                     (kind (read in)))
                 (if (and (vectorp name) (vectorp value) (member kind '(:plain :quoted)))
                     (check n form name value kind)
                     (progn
                       (fail n "the case did not read as four objects: ~S ~S ~S ~S"
                             form name value kind)
                       (loop-finish)))))
    (error (e) (fail 0 "reader error: ~A" e)))
  (when *evaluated*
    (fail 0 "the reader evaluated #."))
  (finish-output)
  (sb-ext:exit :code (if (zerop *failures*) 0 1)))
