;;;; hunchentoot-hello.lisp -- the "Lisp HTTP server behind a proxy" side of
;;;; bench/run.sh: Debian's Hunchentoot on SBCL serving the same page as
;;;; contrib/lisp/modlisp-app.lisp's /hello, for nginx proxy_pass (HTTP/1.1,
;;;; upstream keepalive) to compare with nginx -> fcgi-lisp -> cl-modlisp.
;;;; fcgi-lisp, MIT licence.
;;;;
;;;; Needs:  apt-get install sbcl cl-hunchentoot
;;;; Run:    HUNCHENTOOT_PORT=4000 sbcl --non-interactive --no-userinit \
;;;;             --load bench/hunchentoot-hello.lisp
;;;; Environment:
;;;;   HUNCHENTOOT_PORT     TCP port (default 4000)
;;;;   HUNCHENTOOT_ADDRESS  address to bind (default 127.0.0.1)
;;;; Stop:   SIGTERM or SIGINT.
;;;;
;;;; Routes:  .../hello -> "hello from cl-modlisp\n", text/plain, with its
;;;;          Content-Length (the same 22 body bytes as modlisp-app.lisp);
;;;;          anything else 404.
;;;; Set-up as a user of Hunchentoot would run it in production behind a
;;;; proxy: the default taskmaster (one thread per connection, as kmrcl's
;;;; listener for cl-modlisp), persistent connections on, no access log and
;;;; no message log (nginx logs; writing a log line per request would only
;;;; slow Hunchentoot down), no SSL (:hunchentoot-no-ssl: the proxy is on
;;;; loopback and Debian's cl+ssl would need libssl through CFFI).

(require :asdf)
(require :sb-posix)
(push :hunchentoot-no-ssl *features*)
(let ((*compile-verbose* nil)
      (*compile-print* nil))
  (handler-bind ((warning #'muffle-warning)
                 (sb-ext:compiler-note #'muffle-warning))
    (asdf:load-system :hunchentoot :verbose nil)))

(defpackage #:fcgi-lisp-bench-hunchentoot
  (:use #:common-lisp))
(in-package #:fcgi-lisp-bench-hunchentoot)

(defun env-or (name default)
  (let ((value (sb-posix:getenv name)))
    (if (and value (plusp (length value))) value default)))

(defparameter *address* (env-or "HUNCHENTOOT_ADDRESS" "127.0.0.1"))
(defparameter *port* (parse-integer (env-or "HUNCHENTOOT_PORT" "4000")))
(defparameter *hello* (format nil "hello from cl-modlisp~%"))

(defun ends-with-p (string suffix)
  (let ((start (- (length string) (length suffix))))
    (and (>= start 0) (string= suffix string :start2 start))))

(defun hello-handler ()
  (setf (hunchentoot:content-type*) "text/plain")
  *hello*)

(defun dispatch-hello (request)
  "Dispatcher: the hello handler for paths ending in /hello, else NIL (404)."
  (when (ends-with-p (hunchentoot:script-name request) "/hello")
    #'hello-handler))

(setf hunchentoot:*dispatch-table* (list #'dispatch-hello))
;; (Hunchentoot appends "; charset=utf-8" to text types: 15 header bytes
;; more than cl-modlisp's reply; the body is byte for byte the same.)

(defvar *acceptor*
  (make-instance 'hunchentoot:easy-acceptor
                 :address *address*
                 :port *port*
                 :access-log-destination nil
                 :message-log-destination nil
                 :document-root nil
                 :error-template-directory nil
                 :persistent-connections-p t))

(defun stop-now (signal info context)
  (declare (ignore signal info context))
  (sb-ext:exit :code 0 :abort t))

(sb-sys:enable-interrupt sb-unix:sigterm #'stop-now)
(sb-sys:enable-interrupt sb-unix:sigint #'stop-now)

(hunchentoot:start *acceptor*)
(format t "~&hunchentoot-hello: Hunchentoot ~A listening on ~A:~D (pid ~D)~%"
        (asdf:component-version (asdf:find-system :hunchentoot))
        *address* *port* (sb-posix:getpid))
(finish-output)
(loop (sleep 3600))
