// Kept for the modules that import it: the certificate check lives in certificate/.
export { assessCertificate, certificateCovers, certificateNames, nameCovers, type CertificateContext } from './certificate/index.js';
