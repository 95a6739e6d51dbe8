;;;; lisplets-request-read.lisp - reads a whole Lisplets request written by
;;;; `sexp-encode --request` with SBCL's own reader and checks that the
;;;; hostile params and headers in it steered nothing (t-lisplets-sexp.sh).
;;;; fcgi-lisp, MIT licence.
;;;;
;;;; Input, standard input in UTF-8: the request, then the cases
;;;; ((#(name octets) #(value octets) :plain|:quoted) ...). With *read-eval*
;;;; nil the request must read as one list whose top-level tags are exactly
;;;; the servlet's eight, in order; its params must hold each case's name
;;;; (upcased when :plain) with exactly its value, and its headers each
;;;; value as X-Hostile-N. Prints "ok" or "FAIL why"; exits 1 on failure.

(defvar *failures* 0)

(defun fail (fmt &rest args)
  (incf *failures*)
  (format t "FAIL ~?~%" fmt args))

(defun octets-text (octets)
  (handler-case
      (sb-ext:octets-to-string (coerce octets '(vector (unsigned-byte 8)))
                               :external-format :utf-8)
    (error () nil)))

(defun entry (tag alist) (rest (assoc tag alist)))

(let ((*read-eval* nil)
      (*package* (make-package "FCGI-LISP-REQUEST-TEST" :use nil))
      (in (sb-sys:make-fd-stream 0 :input t :external-format :utf-8 :buffering :full)))
  (handler-case
      (let* ((request (read in))
             (cases (read in))
             (tags (mapcar #'first request))
             (params (entry :params request))
             (headers (entry :headers request)))
        (unless (equal tags '(:method :uri :protocol :is-secure :headers :params :context
                              :servlet))
          (fail "top-level tags ~S" tags))
        (unless (= (length params) (length cases))
          (fail "~D params for ~D cases" (length params) (length cases)))
        (loop for (name-octets value-octets kind) in cases
              for n from 0
              for name = (octets-text name-octets)
              for value = (octets-text value-octets)
              for key = (and name (if (eq kind :plain) (string-upcase name) name))
              for param = (and key (assoc key params :test #'string= :key #'symbol-name))
              for header = (assoc (format nil "X-HOSTILE-~D" n) headers
                                  :test #'string= :key #'symbol-name)
              do (when (and key (not (equal (rest param) (list value))))
                   (fail "param ~S: ~S" name param))
                 (when (and value (not (equal (rest header) (list value))))
                   (fail "header ~D: ~S" n header)))
        (unless (eq (read in nil :end) :end)
          (fail "something after the cases")))
    (error (e) (fail "reader error: ~A" e)))
  (when (zerop *failures*)
    (format t "ok~%"))
  (finish-output)
  (sb-ext:exit :code (if (zerop *failures*) 0 1)))
