# A one-page Rails app for the lab (Debian's ruby-rails 6.1): no database, no asset pipeline.
require "rails"
require "action_controller/railtie"

module LabBlog
  class Application < Rails::Application
    config.load_defaults 6.1
    config.eager_load = false
    config.secret_key_base = "lab-only-secret-key-base-not-a-secret-0123456789"
    config.logger = Logger.new($stdout)
    config.hosts.clear
  end
end
