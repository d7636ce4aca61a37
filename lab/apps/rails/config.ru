# The lab page, as every lab app serves it: a stylesheet and a form action built from what the app believes
# is its own origin (request.base_url), and the JSON block the lab tests read (scheme, is_secure...).
require_relative "config/application"
require "json"

class PagesController < ActionController::Base
  def index
    cookies[:lab] = "1"
    base = request.base_url
    seen = { scheme: request.scheme, is_secure: request.ssl?, host: request.host_with_port, remote_addr: request.remote_ip,
             build_absolute_uri: "#{base}#{request.fullpath}" }
    render html: <<~HTML.html_safe
      <!doctype html>
      <html><head><title>Lab Rails</title><link rel="stylesheet" href="#{base}/static/site.css"></head>
      <body><h1>Lab Rails</h1>
      <form method="post" action="#{base}/submit/"><button>Send</button></form>
      <script type="application/json" id="seen">#{JSON.generate(seen)}</script>
      </body></html>
    HTML
  end

  def css
    render plain: "h1 { color: rgb(0, 128, 0); }\n", content_type: "text/css"
  end
end

Rails.application.initialize!
Rails.application.routes.draw do
  root "pages#index"
  get "/static/site.css", to: "pages#css"
end
run Rails.application
