// app.example.com: Express behind nginx (nginx/sites-enabled/app), started by systemd/app.service.
const express = require('express');

const app = express();

app.get('/', (req, res) => {
  // req.protocol is 'http' unless 'trust proxy' lets Express read X-Forwarded-Proto.
  res.send(`<link rel="stylesheet" href="${req.protocol}://${req.get('host')}/static/site.css"><p>hello</p>`);
});

app.get('/login', (req, res) => {
  res.redirect(`${req.protocol}://${req.get('host')}/`);
});

app.listen(3000, () => {
  console.log('listening on :3000');
});
