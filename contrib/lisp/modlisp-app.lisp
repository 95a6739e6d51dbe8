;;;; modlisp-app.lisp -- example SBCL web application on Debian's cl-modlisp,
;;;; served to lighttpd, nginx or Apache through fcgi-lisp.
;;;; fcgi-lisp, MIT licence.
;;;;
;;;; It is plain cl-modlisp: ML:MODLISP-START with a processor function that
;;;; receives the alist cl-modlisp read from the mod_lisp socket and answers
;;;; with ML:OUTPUT-ML-PAGE or ML:WRITE-HEADER-LINE.  The same file runs
;;;; unchanged behind Apache's mod_lisp.
;;;;
;;;; Needs:  apt-get install sbcl cl-modlisp   (cl-modlisp pulls in cl-kmrcl;
;;;;         both live under /usr/share/common-lisp/source/, which ASDF
;;;;         searches by default).  sb-md5 ships with SBCL.
;;;; Run:    MODLISP_PORT=3000 sbcl --non-interactive --no-userinit \
;;;;             --load contrib/lisp/modlisp-app.lisp
;;;; Stop:   SIGTERM or SIGINT (Ctrl-C).
;;;; Environment:
;;;;   MODLISP_PORT     TCP port (default 3000)
;;;;   FCGI_LISP_PORT   the port fcgi-lisp gives a process it starts itself
;;;;                    (bin-path = "sbcl ... --load modlisp-app.lisp");
;;;;                    wins over MODLISP_PORT
;;;;   MODLISP_ADDRESS  IPv4 address to bind (default 127.0.0.1; mod_lisp has
;;;;                    no authentication, keep it on loopback)
;;;;   FCGI_LISP_LISTEN_FD  set (to 0) by fcgi-lisp with bin-inherit-socket:
;;;;                    accept on that descriptor, which fcgi-lisp bound and
;;;;                    keeps open across restarts, and bind nothing (a unix
;;;;                    socket when FCGI_LISP_SOCKET is set, else TCP)
;;;; The first run compiles cl-modlisp and kmrcl into ASDF's cache
;;;; ($XDG_CACHE_HOME/common-lisp, default ~/.cache/common-lisp): the user
;;;; needs a writable HOME or XDG_CACHE_HOME.
;;;;
;;;; Routes (matched on the end of the path, so /echo and /app/echo both work):
;;;;   /             this list
;;;;   /hello        "hello from cl-modlisp"
;;;;   /echo         method, url and query string, then every pair cl-modlisp
;;;;                 read ("name: value", names in lower case), then the body
;;;;   /form         the fields of an application/x-www-form-urlencoded body
;;;;                 (or of the query string), decoded, one "name=value" a line
;;;;   /upload       "md5=HEX bytes=N" of the request body (compare with md5sum)
;;;;   /cookies      two Set-Cookie headers
;;;;   /redirect     302 Found, Location: /hello
;;;;   /status/NNN   that status
;;;;   /log          a Log-Error line (goes to the web server's error log)
;;;;   /stream       a reply without Content-Length (cl-modlisp then closes)
;;;;   /slow?ms=N    waits N ms, then "slow"
;;;;   /die          announces 100000 bytes, sends 1000, then fails: the
;;;;                 worker thread dies and the socket is closed mid-reply
;;;;   /stats        "connections=C requests=R" seen by this process
;;;;
;;;; Three deliberate changes to cl-modlisp's socket layer (kmrcl), below:
;;;;  1. kmrcl listens on 0.0.0.0; this app binds MODLISP_ADDRESS instead
;;;;     (or accepts on the socket fcgi-lisp hands over, FCGI_LISP_LISTEN_FD).
;;;;  2. kmrcl opens connections with SBCL's default external format (UTF-8).
;;;;     cl-modlisp reads a body as CONTENT-LENGTH *characters* and announces
;;;;     (LENGTH STRING) characters as its reply's Content-Length, so with
;;;;     UTF-8 a binary or non-ASCII body breaks the framing.  Here the
;;;;     connections are ISO-8859-1 (latin-1): one character is one byte, both
;;;;     directions are byte exact, and a 10 MiB binary upload arrives whole.
;;;;     Text that was UTF-8 on the wire reaches the handlers as its bytes;
;;;;     decode it with SB-EXT:OCTETS-TO-STRING when you need characters.
;;;;  3. cl-modlisp ends each connection with kmrcl's CLOSE-ACTIVE-SOCKET on
;;;;     the connection's *stream*, which SB-BSD-SOCKETS:SOCKET-CLOSE does not
;;;;     take: every closed connection printed a six-line "no applicable
;;;;     method" error.  Here a stream is closed as a stream.

(require :asdf)
(require :sb-posix)
(require :sb-bsd-sockets)
(require :sb-md5)

;;; Compile (first run) and load cl-modlisp without the compiler's chatter.
(let ((*compile-verbose* nil)
      (*compile-print* nil))
  (handler-bind ((warning #'muffle-warning)
                 (sb-ext:compiler-note #'muffle-warning))
    (asdf:load-system :modlisp :verbose nil)))

(defpackage #:fcgi-lisp-example
  (:use #:common-lisp))
(in-package #:fcgi-lisp-example)

(defun env-or (name default)
  (let ((value (sb-posix:getenv name)))
    (if (and value (plusp (length value))) value default)))

(defparameter *address* (env-or "MODLISP_ADDRESS" "127.0.0.1"))
;; FCGI_LISP_PORT is set by fcgi-lisp for the processes it starts itself
;; (bin-path): slot N's port; it wins over MODLISP_PORT.
(defparameter *port*
  (parse-integer (env-or "FCGI_LISP_PORT" (env-or "MODLISP_PORT" "3000"))))
(defparameter *backlog* 128)
;; FCGI_LISP_LISTEN_FD: the listening socket fcgi-lisp hands over, or NIL.
(defparameter *listen-fd*
  (let ((fd (env-or "FCGI_LISP_LISTEN_FD" nil)))
    (and fd (parse-integer fd))))

;;; ------------------------------------------------------------------
;;; Socket layer: loopback listener, latin-1 connections, a counter.
;;; ------------------------------------------------------------------

(defvar *connections* 0 "Connections accepted since start (for /stats).")
(defvar *connections-lock* (sb-thread:make-mutex :name "connections"))

(defun dotted-quad (string)
  "Parse \"a.b.c.d\" into the vector of four octets that sb-bsd-sockets wants."
  (let ((octets (make-array 4 :element-type '(unsigned-byte 8)))
        (start 0))
    (dotimes (i 4 octets)
      (let ((end (or (position #\. string :start start) (length string))))
        (setf (aref octets i) (parse-integer string :start start :end end))
        (setf start (1+ end))))))

(defun inherited-listener (fd)
  "The listening socket FD that fcgi-lisp bound (bin-inherit-socket)."
  (if (sb-posix:getenv "FCGI_LISP_SOCKET")
      (make-instance 'sb-bsd-sockets:local-socket :type :stream :descriptor fd)
      (make-instance 'sb-bsd-sockets:inet-socket :type :stream :protocol :tcp
                                                 :descriptor fd)))

(defun open-listener (port reuse)
  "A listening TCP socket on *ADDRESS*:PORT, closed again on failure; or
the inherited one (*LISTEN-FD*)."
  (when *listen-fd*
    (return-from open-listener (inherited-listener *listen-fd*)))
  (let ((socket (make-instance 'sb-bsd-sockets:inet-socket
                               :type :stream :protocol :tcp))
        (ok nil))
    (unwind-protect
         (progn
           (when reuse
             (setf (sb-bsd-sockets:sockopt-reuse-address socket) t))
           (sb-bsd-sockets:socket-bind socket (dotted-quad *address*) port)
           (sb-bsd-sockets:socket-listen socket *backlog*)
           (setf ok t)
           socket)
      (unless ok
        (sb-bsd-sockets:socket-close socket)))))

;;; kmrcl's LISTEN-TO-INET-PORT binds 0.0.0.0: bind *ADDRESS* instead.
(setf (fdefinition 'kmrcl::listen-to-inet-port)
      (lambda (&key (port 0) kind reuse)
        (declare (ignore kind))
        (open-listener port reuse)))

;;; kmrcl's CLOSE-ACTIVE-SOCKET, taking the stream cl-modlisp gives it too.
(setf (fdefinition 'kmrcl::close-active-socket)
      (lambda (socket)
        (if (streamp socket)
            (close socket)
            (sb-bsd-sockets:socket-close socket))))

;;; kmrcl's ACCEPT-TCP-CONNECTION, with a latin-1 stream (see the header).
(setf (fdefinition 'kmrcl::accept-tcp-connection)
      (lambda (listener)
        (when (sb-sys:wait-until-fd-usable
               (sb-bsd-sockets:socket-file-descriptor listener) :input)
          (let ((socket (sb-bsd-sockets:socket-accept listener)))
            (sb-thread:with-mutex (*connections-lock*)
              (incf *connections*))
            (values (sb-bsd-sockets:socket-make-stream
                     socket :element-type :default :input t :output t
                            :buffering :full :external-format :latin-1)
                    socket)))))

;;; ------------------------------------------------------------------
;;; Helpers
;;; ------------------------------------------------------------------

(defun request-url (command)
  (or (ml:header-value command :url) ""))

(defun url-path (url)
  (subseq url 0 (or (position #\? url) (length url))))

(defun url-query (url)
  (let ((q (position #\? url)))
    (if q (subseq url (1+ q)) "")))

(defun ends-with-p (string suffix)
  (let ((start (- (length string) (length suffix))))
    (and (>= start 0) (string= suffix string :start2 start))))

(defun query-integer (url name default)
  (let ((value (cdr (assoc name (ml:query-to-alist (url-query url) :keyword nil)
                           :test #'string=))))
    (or (and value (parse-integer value :junk-allowed t)) default)))

(defun reason-phrase (code)
  (case code
    (200 "OK") (201 "Created") (204 "No Content") (301 "Moved Permanently")
    (302 "Found") (303 "See Other") (304 "Not Modified") (400 "Bad Request")
    (401 "Unauthorized") (403 "Forbidden") (404 "Not Found") (410 "Gone")
    (500 "Internal Server Error") (503 "Service Unavailable")
    (t "Status")))

(defun reply (status body &key (content-type "text/plain") headers)
  "Write a complete reply with any STATUS (\"404 Not Found\"), using only
cl-modlisp's exported writer.  Like OUTPUT-ML-PAGE it announces the length and
keeps the socket (Keep-Socket 1) for the next request."
  (ml:write-header-line "Status" status)
  (ml:write-header-line "Content-Type" content-type)
  (dolist (header headers)
    (ml:write-header-line (car header) (cdr header)))
  (ml:write-header-line "Content-Length" (princ-to-string (length body)))
  (ml:write-header-line "Keep-Socket" "1")
  (write-string "end" ml:*modlisp-socket*)
  (write-char #\Newline ml:*modlisp-socket*)
  (write-string body ml:*modlisp-socket*)
  (force-output ml:*modlisp-socket*)
  (setf ml:*close-modlisp-socket* nil))

;;; ------------------------------------------------------------------
;;; Handlers.  COMMAND is cl-modlisp's alist: ((:URL . "/echo?x=1")
;;; (:METHOD . "GET") (:USER-AGENT . "curl/7.88.1") ...); a request body is
;;; under :POSTED-CONTENT.
;;; ------------------------------------------------------------------

(defparameter *index*
  "fcgi-lisp example app (SBCL, cl-modlisp).  Try:
  /hello  /echo?x=1  /form (POST name=lisp)  /upload (POST a file)
  /cookies  /redirect  /status/404  /log  /stream  /slow?ms=500  /stats
")

(defun handle-echo (command)
  (let ((url (request-url command)))
    (ml:output-ml-page
     :text
     (with-output-to-string (out)
       (format out "method=~A url=~A query=~A~%"
               (or (ml:header-value command :method) "") url (url-query url))
       (loop for (key . value) in command
             unless (eq key :posted-content)
               do (format out "~(~A~): ~A~%" key value))
       (let ((body (ml:header-value command :posted-content)))
         (when (plusp (length body))
           (format out "body: ~A~%" body)))))))

(defun handle-form (command)
  (let ((fields (ml:query-to-alist
                 (or (ml:header-value command :posted-content)
                     (url-query (request-url command)))
                 :keyword nil)))
    (ml:output-ml-page
     :text
     (with-output-to-string (out)
       (loop for (name . value) in fields
             do (format out "~A=~A~%" name value))))))

(defun handle-upload (command)
  (let ((body (or (ml:header-value command :posted-content) "")))
    (ml:output-ml-page
     :text
     (format nil "md5=~(~{~2,'0X~}~) bytes=~D~%"
             (coerce (sb-md5:md5sum-string body :external-format :latin-1) 'list)
             (length body)))))

(defun handle-die ()
  ;; Announce 100000 bytes, send 1000, then fail.  cl-modlisp's worker
  ;; catches the error and closes the socket: the bridge sees the Lisp go
  ;; away in the middle of a reply.
  (ml:write-header-line "Status" "200 OK")
  (ml:write-header-line "Content-Type" "application/octet-stream")
  (ml:write-header-line "Content-Length" "100000")
  (ml:write-header-line "Keep-Socket" "1")
  (write-string "end" ml:*modlisp-socket*)
  (write-char #\Newline ml:*modlisp-socket*)
  (write-string (make-string 1000 :initial-element #\x) ml:*modlisp-socket*)
  (finish-output ml:*modlisp-socket*)
  (error "/die: the handler fails in the middle of its reply"))

(defun app-processor (command)
  "cl-modlisp calls this once per request read from the socket."
  (let* ((url (request-url command))
         (path (url-path url)))
    (cond
      ((or (string= path "") (string= path "/"))
       (ml:output-ml-page :text *index*))
      ((ends-with-p path "/hello")
       (ml:output-ml-page :text (format nil "hello from cl-modlisp~%")))
      ((ends-with-p path "/echo")
       (handle-echo command))
      ((ends-with-p path "/form")
       (handle-form command))
      ((ends-with-p path "/upload")
       (handle-upload command))
      ((ends-with-p path "/cookies")
       (ml:output-ml-page :text (format nil "cookies~%")
                          :headers '(("Set-Cookie" . "a=1; Path=/")
                                     ("Set-Cookie" . "b=2; Path=/"))))
      ((ends-with-p path "/redirect")
       (reply "302 Found" "" :headers '(("Location" . "/hello"))))
      ((search "/status/" path)
       (let ((code (or (parse-integer path :start (+ (search "/status/" path) 8)
                                           :junk-allowed t)
                       500)))
         (reply (format nil "~D ~A" code (reason-phrase code))
                (format nil "status ~D~%" code))))
      ((ends-with-p path "/log")
       (ml:output-ml-page :text (format nil "logged~%")
                          :headers '(("Log-Error" . "modlisp-app log line"))))
      ((ends-with-p path "/stream")
       ;; :precompute nil => no Content-Length; cl-modlisp closes the socket.
       (ml:with-ml-page (:format :text :precompute nil)
         (write-string "streamed from cl-modlisp" ml:*modlisp-socket*)
         (terpri ml:*modlisp-socket*)))
      ((ends-with-p path "/slow")
       (sleep (/ (max 0 (min 60000 (query-integer url "ms" 1000))) 1000))
       (ml:output-ml-page :text (format nil "slow~%")))
      ((ends-with-p path "/die")
       (handle-die))
      ((ends-with-p path "/stats")
       (ml:output-ml-page :text (format nil "connections=~D requests=~D~%"
                                        *connections* ml:*number-server-requests*)))
      (t
       (reply "404 Not Found" (format nil "not found~%"))))))

;;; ------------------------------------------------------------------
;;; Start
;;; ------------------------------------------------------------------

(defun stop-now (signal info context)
  (declare (ignore signal info context))
  (sb-ext:exit :code 0 :abort t))

(sb-sys:enable-interrupt sb-unix:sigterm #'stop-now)
(sb-sys:enable-interrupt sb-unix:sigint #'stop-now)

(ml:modlisp-start :port *port* :processor 'app-processor)
;; MODLISP-START returns its server even when the listener failed to start
;; (kmrcl prints why); a started listener is in kmrcl's active list.
(unless kmrcl::*active-listeners*
  (format *error-output* "~&modlisp-app: cannot listen on ~A:~D~%" *address* *port*)
  (sb-ext:exit :code 1 :abort t))
(if *listen-fd*
    (format t "~&modlisp-app: cl-modlisp accepting on fd ~D, bound by fcgi-lisp (pid ~D)~%"
            *listen-fd* (sb-posix:getpid))
    (format t "~&modlisp-app: cl-modlisp listening on ~A:~D (pid ~D)~%"
            *address* *port* (sb-posix:getpid)))
(finish-output)
(loop (sleep 3600))
