// The npm package cf-turnstile (a server-side siteverify client), unchanged, pointed at
// humangate with its apiUrl option only. Verifies TOKEN twice with the expected hostname
// and action and prints both answers as JSON.
const turnstile = require("cf-turnstile");

const verify = turnstile(process.env.SECRET, { apiUrl: process.env.SITEVERIFY_URL });

(async () => {
  const options = { hostname: "testserver", action: "login" };
  const first = await verify(process.env.TOKEN, options);
  const second = await verify(process.env.TOKEN, options);
  const wrongAction = await verify(process.env.OTHER_TOKEN, { action: "signup" });
  console.log(JSON.stringify({ first, second, wrongAction }));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
