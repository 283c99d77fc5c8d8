// Every test process: a fixed session secret and the test questionnaire fixtures unless a test says otherwise.
process.env.SESSION_SECRET ??= 'test-session-secret-not-for-production';
process.env.TZ ??= 'Europe/London';
