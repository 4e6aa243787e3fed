import { render } from 'preact';
import { Phone } from './app';

// The phone page a laptop serves on the room's Wi-Fi (core/phone/gateway.ts).
render(<Phone />, document.getElementById('root')!);
