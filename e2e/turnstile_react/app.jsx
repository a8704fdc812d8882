// A React sign-up page using @marsidev/react-turnstile, unchanged, against humangate.
//
// The page loads humangate's api.js itself, with the id and the onload name the library
// uses for the script it would inject (its documented manual-injection set-up): the
// library then finds that script and injects nothing. Two widgets share it. Each token
// is sent to the site's backend, which verifies it with siteverify.
import { Turnstile } from "@marsidev/react-turnstile";
import { useState } from "react";
import { createRoot } from "react-dom/client";

const config = JSON.parse(document.getElementById("config").textContent);

function send(action, token) {
  // The backend is on the gate's origin: a plain form-encoded POST needs no CORS.
  const body = new URLSearchParams({ "cf-turnstile-response": token, action });
  return fetch(config.verify, { method: "POST", body, mode: "no-cors" });
}

function Widget({ action, ...props }) {
  const [state, setState] = useState("waiting");
  return (
    <section data-state={state}>
      <h2>{action}</h2>
      <Turnstile
        siteKey={config.sitekey}
        options={{ action, theme: "light" }}
        onSuccess={(token) => {
          setState("solved");
          send(action, token).then(() => setState("sent"));
        }}
        onError={(code) => setState(`error ${code}`)}
        {...props}
      />
    </section>
  );
}

function App() {
  return (
    <main>
      <h1>Sign up</h1>
      {/* The library's defaults: it sees the script already on the page. */}
      <Widget action="react-signup" />
      {/* And told not to inject a script at all. */}
      <Widget action="react-login" injectScript={false} />
    </main>
  );
}

createRoot(document.getElementById("root")).render(<App />);
