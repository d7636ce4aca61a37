Rails.application.configure do
  # Redirect every request Rails believes is plain http to https (ActionDispatch::SSL).
  config.force_ssl = true
end
