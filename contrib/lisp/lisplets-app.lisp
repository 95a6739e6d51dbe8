;;;; lisplets-app.lisp -- example SBCL web application speaking Lisplets,
;;;; served to lighttpd, nginx or Apache through fcgi-lisp
;;;; (--backend lisplets://127.0.0.1:9000). fcgi-lisp, MIT licence.
;;;;
;;;; Run:  LISPLETS_PORT=9000 sbcl --non-interactive --no-userinit \
;;;;           --load contrib/lisp/lisplets.lisp --load contrib/lisp/lisplets-app.lisp
;;;; FCGI_LISP_PORT (fcgi-lisp's bin-path) wins over LISPLETS_PORT.
;;;;
;;;; Routes (matched on the end of the path):
;;;;   /hello           "hello from lisplets"
;;;;   /echo            method, uri, then every param "name=value" a line
;;;;                    (query string and form body), then "user=..." and
;;;;                    the top-level tags it received
;;;;   /cookies         the cookies it got, one "name=value" a line, and
;;;;                    sets theme=dark (path /, max-age 3600)
;;;;   /session/set?k=K&v=V[&ttl=S]   sets session attribute K (and the
;;;;                    session's max-inactive-interval)
;;;;   /session/get?k=K       "K=value" from the session it got, then
;;;;                    "served-by=P" (the context param "proc", which tells
;;;;                    the fcgi-lisps apart in a test)
;;;;   /session/drop    invalidates the session
;;;;   /hits            adds one to the context attribute "hits", prints it
;;;;   /redirect        redirect to /hello
;;;;   /error           error 404 "nothing here"
;;;;   /log             a log line for the web server's error log
;;;;   /upload          "bytes=N" of the raw body (lisplets-raw-body)
;;;;   /headers         two X-A headers
;;;;   /broken          a reply that is not the servlet's s-expression (it
;;;;                    begins with a blank): fcgi-lisp answers 502

(defpackage #:lisplets-example (:use #:common-lisp))
(in-package #:lisplets-example)

(defun env-or (name default)
  (let ((v (sb-posix:getenv name))) (if (and v (plusp (length v))) v default)))

(defun ends-with-p (string suffix)
  (let ((n (length suffix)))
    (and (>= (length string) n) (string= suffix string :start2 (- (length string) n)))))

(defun text (status body &rest more)
  (values `((:status ,status) (:headers ("Content-Type" "text/plain; charset=utf-8")) ,@more)
          body))

(defun lines (pairs)
  (format nil "~{~A~%~}" pairs))

(defun handle (request body)
  (let ((uri (or (first (lisplets:entry :uri request)) "")))
    (cond
      ((ends-with-p uri "/hello") (text 200 (format nil "hello from lisplets~%")))
      ((ends-with-p uri "/echo")
       (text 200
             (lines (append
                     (list (format nil "method=~A" (first (lisplets:entry :method request)))
                           (format nil "uri=~A" uri))
                     (loop for (name . vals) in (lisplets:entry :params request)
                           append (loop for v in vals collect (format nil "~A=~A" (symbol-name name) v)))
                     (list (format nil "user=~A" (or (lisplets:user-name request) "none"))
                           (format nil "roles=~{~(~A~)~^,~}" (lisplets:user-roles request))
                           (format nil "tags=~{~(~A~)~^,~}" (mapcar #'first request)))))))
      ((ends-with-p uri "/cookies")
       (text 200 (lines (loop for (name value) in (lisplets:entry :cookies request)
                              collect (format nil "~A=~A" (symbol-name name) value)))
             '(:cookies ((:name "theme") (:value "dark") (:path "/") (:max-age 3600)))))
      ((ends-with-p uri "/session/set")
       (let ((k (lisplets:param request "k")) (v (lisplets:param request "v"))
             (ttl (lisplets:param request "ttl")))
         (text 200 (format nil "set ~A~%" k)
               `(:session (:attrs (,k ,v))
                          ,@(when ttl `((:max-inactive-interval ,(parse-integer ttl))))))))
      ((ends-with-p uri "/session/get")
       (let ((k (lisplets:param request "k")))
         (text 200 (format nil "~A=~A~%served-by=~A~%" k
                           (or (lisplets:session-attr request k) "none")
                           (or (first (lisplets:entry "proc" (lisplets:entry :params
                                                                            (lisplets:entry :context request))))
                               "-")))))
      ((ends-with-p uri "/session/drop")
       (text 200 (format nil "dropped~%") '(:session (:invalidate))))
      ((ends-with-p uri "/hits")
       (let ((hits (1+ (parse-integer (or (lisplets:context-attr request "hits") "0")))))
         (text 200 (format nil "hits=~D~%" hits) `(:context (:attrs ("hits" ,(princ-to-string hits)))))))
      ((ends-with-p uri "/redirect") (values '((:redirect "/hello")) "dropped"))
      ((ends-with-p uri "/error") (values '((:error 404 "nothing here")) "dropped"))
      ((ends-with-p uri "/log") (text 200 (format nil "logged~%") '(:log "a log line from the Lisp")))
      ((ends-with-p uri "/upload")
       (text 200 (format nil "bytes=~D~%" (if body (length body) -1))))
      ((ends-with-p uri "/broken") (values " ((status 200))" "never sent"))
      ((ends-with-p uri "/headers")
       (values '((:status 200) (:headers ("X-A" "1") ("X-A" "2") ("Content-Type" "text/plain")))
               (format nil "two~%")))
      (t (text 404 (format nil "no route ~A~%" uri))))))

(lisplets:serve #'handle
                :port (parse-integer (env-or "FCGI_LISP_PORT" (env-or "LISPLETS_PORT" "9000"))))
