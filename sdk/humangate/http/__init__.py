"""HTTP as the engine sees it: the neutral request and response, answers, static assets."""
