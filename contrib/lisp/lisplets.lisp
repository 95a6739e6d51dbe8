;;;; lisplets.lisp -- a small Lisplets server for SBCL: what a Lisp process
;;;; needs to answer the requests fcgi-lisp sends to a lisplets:// backend.
;;;; fcgi-lisp, MIT licence.
;;;;
;;;; The protocol (fcgi-lisp's doc/fcgi-lisp.1, LISPLETS): one connection per
;;;; request; the request is one s-expression, read here with *read-eval*
;;;; nil and symbols interned as keywords, so that (assoc :params request)
;;;; works whether fcgi-lisp writes tags with lisp-tag-prefix ":" or none;
;;;; a newline ends it; then, with lisplets-raw-body, (body-length N) bytes
;;;; of body. The reply
;;;; is one s-expression -- status, headers, cookies, session, context,
;;;; log -- written here by the servlet's rules (lists, "strings" with only
;;;; \" and \\ escaped, integers, symbols as lower-case tokens), then the
;;;; body, then the connection is closed.
;;;;
;;;; Needs only SBCL (sb-bsd-sockets). Use:
;;;;   (lisplets:serve (lambda (request body) (values '((:status 200)) "hi"))
;;;;                   :port 9000)
;;;; The handler returns the reply (a list of elements) and the body (a
;;;; string, sent as UTF-8, or an octet vector, or NIL); a reply that is a
;;;; string is sent as it is (for a handler that writes its own). An error in it is
;;;; answered (error 500 "...") and printed to *error-output*.
;;;; FCGI_LISP_LISTEN_FD set (fcgi-lisp's bin-inherit-socket): SERVE accepts
;;;; on that descriptor instead of binding :address and :port.

(require :sb-bsd-sockets)
(require :sb-posix)

(defpackage #:lisplets
  (:use #:common-lisp)
  (:export #:serve #:entry #:header #:param #:params #:cookie #:session-id
           #:session-attr #:context-attr #:user-name #:user-roles))
(in-package #:lisplets)

;;; ------------------------------------------------------------------
;;; The request
;;; ------------------------------------------------------------------

(defun name= (symbol name)
  "Whether the keyword SYMBOL names NAME, without case (plain names are
upcased by the reader, names fcgi-lisp wrote between bars keep theirs)."
  (string-equal (symbol-name symbol) name))

(defun entry (tag list)
  "The rest of the element of LIST headed by TAG, a keyword or a name."
  (rest (find-if (lambda (e) (and (consp e) (symbolp (first e))
                                  (name= (first e) (if (symbolp tag) (symbol-name tag) tag))))
                 list)))

(defun values-of (group name request)
  (entry name (entry group request)))

(defun header (request name) (first (values-of :headers name request)))
(defun params (request name) (values-of :params name request))
(defun param (request name) (first (params request name)))
(defun cookie (request name) (first (values-of :cookies name request)))
(defun session-id (request) (first (entry :id (entry :session request))))
(defun session-attr (request name)
  (first (entry name (entry :attrs (entry :session request)))))
(defun context-attr (request name)
  (first (entry name (entry :attrs (entry :context request)))))
(defun user-name (request) (first (entry :name (entry :user request))))
(defun user-roles (request)
  "The roles the user has: the (roles (ROLE t|nil) ...) entries that are not nil."
  (loop for (role value) in (entry :roles (entry :user request))
        unless (or (null value) (and (symbolp value) (string-equal (symbol-name value) "NIL")))
          collect (symbol-name role)))

(defun read-request (stream)
  "The request s-expression, and its raw body (octets) or NIL."
  (let* ((request (let ((*read-eval* nil)
                        (*package* (find-package :keyword)))
                    ;; READ would also take the newline that ends the
                    ;; request; taking it here is the same and says so
                    (prog1 (read-preserving-whitespace stream)
                      (read-char stream nil))))
         (n (first (entry :body-length request))))
    (values request
            (when (and (integerp n) (>= n 0))
              (let ((body (make-array n :element-type '(unsigned-byte 8))))
                (read-sequence body stream)
                body)))))

;;; ------------------------------------------------------------------
;;; The reply
;;; ------------------------------------------------------------------

(defun write-datum (x stream)
  "X by the servlet's reader rules."
  (etypecase x
    (null (write-string "nil" stream))
    (cons (write-char #\( stream)
          (loop for (e . more) on x
                do (write-datum e stream)
                   (when more (write-char #\Space stream)))
          (write-char #\) stream))
    (string (write-char #\" stream)
            (loop for c across x
                  do (when (member c '(#\" #\\)) (write-char #\\ stream))
                     (write-char c stream))
            (write-char #\" stream))
    (integer (format stream "~D" x))
    (symbol (write-string (string-downcase (symbol-name x)) stream))))

(defun write-reply (reply body stream)
  (if (stringp reply)
      (write-string reply stream)
      (progn
        (write-char #\( stream)
        (dolist (element reply) (write-datum element stream))
        (write-char #\) stream)))
  (etypecase body
    (null)
    (string (write-sequence (sb-ext:string-to-octets body :external-format :utf-8) stream))
    ((vector (unsigned-byte 8)) (write-sequence body stream)))
  (finish-output stream))

;;; ------------------------------------------------------------------
;;; Serving
;;; ------------------------------------------------------------------

(defun handle-connection (socket handler)
  (let ((stream (sb-bsd-sockets:socket-make-stream
                 socket :input t :output t :element-type :default
                        :external-format :utf-8 :buffering :full)))
    (unwind-protect
         (handler-case
             (multiple-value-bind (request body) (read-request stream)
               (multiple-value-bind (reply content)
                   (handler-case (funcall handler request body)
                     (error (e)
                       (format *error-output* "~&lisplets: the handler failed: ~A~%" e)
                       (values `((:error 500 ,(princ-to-string e))) nil)))
                 (write-reply reply content stream)))
           ;; a connection closed before a request: fcgi-lisp's readiness
           ;; probe (bin-path), or a web server giving up
           (end-of-file () nil)
           (error (e)
             (format *error-output* "~&lisplets: connection failed: ~A~%" e)))
      (ignore-errors (close stream))
      (ignore-errors (sb-bsd-sockets:socket-close socket)))))

(defun dotted-quad (string)
  (let ((octets (make-array 4 :element-type '(unsigned-byte 8))) (start 0))
    (dotimes (i 4 octets)
      (let ((end (or (position #\. string :start start) (length string))))
        (setf (aref octets i) (parse-integer string :start start :end end)
              start (1+ end))))))

(defun listener (address port backlog)
  (let ((fd (sb-posix:getenv "FCGI_LISP_LISTEN_FD")))
    (if (and fd (plusp (length fd)))
        (if (sb-posix:getenv "FCGI_LISP_SOCKET")
            (make-instance 'sb-bsd-sockets:local-socket :type :stream
                                                        :descriptor (parse-integer fd))
            (make-instance 'sb-bsd-sockets:inet-socket :type :stream :protocol :tcp
                                                       :descriptor (parse-integer fd)))
        (let ((socket (make-instance 'sb-bsd-sockets:inet-socket :type :stream :protocol :tcp)))
          (setf (sb-bsd-sockets:sockopt-reuse-address socket) t)
          (sb-bsd-sockets:socket-bind socket (dotted-quad address) port)
          (sb-bsd-sockets:socket-listen socket backlog)
          socket))))

(defun serve (handler &key (address "127.0.0.1") (port 9000) (backlog 128))
  "Answers every connection with HANDLER, one thread each; does not return."
  (let ((socket (listener address port backlog)))
    (format t "~&lisplets: serving on ~A~%"
            (if (sb-posix:getenv "FCGI_LISP_LISTEN_FD") "the inherited socket"
                (format nil "~A:~D" address port)))
    (finish-output)
    (loop
      (let ((client (sb-bsd-sockets:socket-accept socket)))
        (sb-thread:make-thread (lambda () (handle-connection client handler))
                               :name "lisplets connection")))))
