// make bench's Express row: one constant JSON answer, the envelope the module sends.
const express = require('express');
const app = express();
app.disable('x-powered-by');
app.get('/hello', (req, res) => res.json({ success: true, data: { hello: 'world' } }));
app.listen(Number(process.env.PORT), '127.0.0.1');
