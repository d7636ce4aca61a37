import { headers } from 'next/headers';
import { siteOrigin, whatTheAppSees } from './origin.js';

// Rendered per request: the origin comes from this request's headers.
export const dynamic = 'force-dynamic';

export default async function Home() {
  const h = await headers();
  const origin = siteOrigin(h);
  const seen = JSON.stringify(whatTheAppSees(h)).replace(/</g, '\\u003c');
  return (
    <main>
      <link rel="stylesheet" href={`${origin}/static/site.css`} />
      <h1 id="styled">Next.js behind nginx</h1>
      <p>
        <a href={`${origin}/api/auth/signin`}>Sign in</a> (an Auth.js-style absolute URL)
      </p>
      <form method="post" action={`${origin}/api/auth/callback`}>
        <button type="submit">Continue</button>
      </form>
      <script type="application/json" id="seen" dangerouslySetInnerHTML={{ __html: seen }} />
    </main>
  );
}
