"""Who may do what: sign-in and sign-out pages, sessions and their cookies, the login throttle,
passwords, accounts and the admin's users page, and the guards every other page sits behind
(:mod:`bot.review.auth.security`)."""
